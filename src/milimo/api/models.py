"""The model library: list, download (background, with progress events), cancel, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from milimo.api.deps import LibraryDep, SettingsDep
from milimo.studio import hf_token
from milimo.studio.library_schemas import DownloadCancelling, DownloadStarted, ModelDeleted, ModelList, ModelPublic

router = APIRouter(prefix="/models", tags=["models"])

ModelId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9.-]{0,63}$", description="model id from the manifest")]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown model id"},
    409: {"description": "Already downloaded, downloading, or in use"},
}


# Fixed paths first, then /{model_id}: no route may shadow another (tests/api/test_routes.py).
@router.get("", response_model=ModelList)
def read_models(library: LibraryDep) -> dict:
    """Every model of the manifest: status on disk, size, licence, which engine uses it, progress while downloading."""
    return library.list_models()


@router.get("/{model_id}", response_model=ModelPublic, responses=ERRORS)
def read_model(model_id: ModelId, library: LibraryDep) -> dict:
    """One model of the manifest."""
    return library.get_model(model_id)


@router.post(
    "/{model_id}/download",
    response_model=DownloadStarted,
    status_code=202,
    responses={**ERRORS, 507: {"description": "Not enough free disk (the model's size x 1.1)"}},
)
def download_model(model_id: ModelId, library: LibraryDep, settings: SettingsDep) -> dict:
    """Download (or resume) a model in the background, with the stored Hugging Face token if any; follow download_* events."""
    return library.start_download(model_id, token=hf_token.read_token(settings.data_dir))


@router.delete("/{model_id}/download", response_model=DownloadCancelling, responses=ERRORS)
def cancel_download(model_id: ModelId, library: LibraryDep) -> dict:
    """Cancel a running download; the files so far stay and a new download resumes them."""
    return library.cancel_download(model_id)


@router.delete("/{model_id}", response_model=ModelDeleted, responses=ERRORS)
def delete_model(model_id: ModelId, library: LibraryDep) -> dict:
    """Delete a model's files (409 while it downloads or a running job uses it); engine selection follows."""
    return library.delete_model(model_id)
