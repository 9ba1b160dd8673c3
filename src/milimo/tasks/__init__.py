"""One module per job type; each reads top to bottom like the seed's sequence diagram."""

from milimo.db.states import JobType
from milimo.jobs.contract import TaskRegistry
from milimo.tasks.ai_parse import run_ai_parse
from milimo.tasks.image import run_image
from milimo.tasks.inpaint import run_inpaint
from milimo.tasks.inpaint_clip import run_inpaint_clip
from milimo.tasks.matte import run_matte
from milimo.tasks.render import run_render
from milimo.tasks.smooth_motion import run_smooth_motion
from milimo.tasks.storyboard_shot import run_storyboard_shot
from milimo.tasks.thumbnail import run_thumbnail
from milimo.tasks.video import run_video

TASKS: TaskRegistry = {
    JobType.video: run_video,
    JobType.image: run_image,
    JobType.inpaint: run_inpaint,
    JobType.inpaint_clip: run_inpaint_clip,
    JobType.thumbnail: run_thumbnail,
    JobType.ai_parse: run_ai_parse,
    JobType.storyboard_shot: run_storyboard_shot,
    JobType.render: run_render,
    JobType.matte: run_matte,
    JobType.element_visual: run_image,
    JobType.smooth_motion: run_smooth_motion,
}
