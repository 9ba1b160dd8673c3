"""One module per job type; each reads top to bottom like the seed's sequence diagram."""

from milimo.db.states import JobType
from milimo.jobs.contract import TaskRegistry
from milimo.tasks.image import run_image
from milimo.tasks.video import run_video

TASKS: TaskRegistry = {JobType.video: run_video, JobType.image: run_image, JobType.element_visual: run_image}
