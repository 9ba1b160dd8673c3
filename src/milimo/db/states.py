"""The states rows move through: a job's status and type, a shot's status.

StrEnums, so the wire strings (and the database columns) are the seed's words while code gets
a type checker's help. They live with the tables because the tables are typed with them.
"""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    pending = "pending"
    processing = "processing"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


ACTIVE: frozenset[JobStatus] = frozenset({JobStatus.pending, JobStatus.processing})
TERMINAL: frozenset[JobStatus] = frozenset({JobStatus.completed, JobStatus.failed, JobStatus.cancelled})


class JobType(StrEnum):
    """Every kind of job the executor runs. A new type adds its params model (jobs/params.py) and its
    task (tasks/), and the app's task registry (tasks/__init__.py) names it."""

    video = "video"  # POST /generate/advanced (seed §1); chained past the engine's native length (§4)
    image = "image"  # POST /generate/image (seed §2); also a still-first shot's still
    element_visual = "element_visual"  # POST /elements/{id}/visualize: an element's reference image
    inpaint = "inpaint"  # POST /edit/inpaint (seed §3)
    inpaint_clip = "inpaint_clip"  # POST /edit/inpaint-clip (seed §3): every frame a tracked mask sequence covers
    thumbnail = "thumbnail"  # POST /projects/{id}/storyboard/thumbnails (seed §6.2): concept art onto a shot card
    storyboard_shot = "storyboard_shot"  # POST /projects/{id}/storyboard/batch-generate: a video job after its predecessor
    ai_parse = "ai_parse"  # POST /projects/{id}/storyboard/ai-parse (seed §6.1): the text engine reads a script
    render = "render"  # POST /projects/{id}/render: the cut to a master file (docs/render.md)
    matte = "matte"  # POST /edit/matte (seed §3): a tracked mask sequence as a black-and-white clip for an editor
    smooth_motion = "smooth_motion"  # POST /projects/{id}/takes/{asset_id}/smooth: a take again at twice the frame rate


class ShotStatus(StrEnum):
    pending = "pending"
    generating = "generating"
    generating_thumbnail = "generating_thumbnail"
    completed = "completed"
    failed = "failed"


BUSY_SHOT: frozenset[ShotStatus] = frozenset({ShotStatus.generating, ShotStatus.generating_thumbnail})
