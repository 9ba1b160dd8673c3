"""One module per job type; each reads top to bottom like the seed's sequence diagram."""

from milimo.tasks.image import run_image
from milimo.tasks.video import run_video

TASKS = {"video": run_video, "image": run_image}
