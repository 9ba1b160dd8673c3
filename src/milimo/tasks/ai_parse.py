"""AI script analysis (seed §6.1): the worker side of POST /projects/{id}/storyboard/ai-parse.

Runs in a slot, off the event loop: the text engine (Gemma or Ollama) reads the script into a
storyboard; a draft engine, an engine that cannot answer, or a reply that is not a storyboard
fall back to the rule-based parser. The row's outputs carry the storyboard (the same shape as
POST …/storyboard/parse, with the project's shot ids recognised), which mode ran and why.
"""

from __future__ import annotations

from milimo.engines.protocols import EngineUnavailable
from milimo.jobs import store
from milimo.jobs.contract import JobOutputs, TaskResult
from milimo.jobs.params import AIParseParams
from milimo.jobs.run import JobRun
from milimo.storyboard import Grid
from milimo.storyboard.ai_parse import ai_parse
from milimo.studio.storyboard import board_for_project


def run_ai_parse(run: JobRun, p: AIParseParams) -> TaskResult:
    services = run.services
    engine = services.engines.get("text")
    store.record_engine(services.db, run.job_id, engine.name, engine.version)
    grid = Grid(fps=p.fps, frame_step=p.frame_step, native_max_frames=p.native_max_frames)
    run.check_cancel()
    if engine.name == "draft":  # the rule-based engine honestly cannot analyse a screenplay
        board, mode, why = ai_parse(p.script_text, None, grid, p.fallback_mode)
    else:

        def on_piece(i: int, n: int) -> None:  # a long script is read in parts: progress and cancel between them
            run.check_cancel()
            run.progress(10 + 80 * i / n, "Reading the script..." if n == 1 else f"Reading the script, part {i + 1} of {n}...")

        with services.residency.use(engine, on_status=lambda m: run.progress(5, m)):
            board, mode, why = ai_parse(
                p.script_text,
                lambda system, user: engine.chat(system, user, max_new_tokens=4096, seed=42),
                grid,
                p.fallback_mode,
                unavailable=(EngineUnavailable,),
                on_piece=on_piece,
            )
    run.check_cancel()
    run.progress(90, "Checking the storyboard")
    result = board_for_project(services.db, run.project_id, board, grid)
    result["ai_mode"], result["why"] = mode, why
    outputs = JobOutputs(engine=engine.name, storyboard=result, mode=mode, why=why)
    return TaskResult(outputs=outputs, message=f"{'AI parse' if mode == 'ai' else 'Parser fallback'}: {why}"[:500])
