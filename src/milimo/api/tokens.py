"""The Hugging Face token for gated downloads: store it, ask whether one is stored, forget it.

The token itself is never in a response: the browser gets `{"huggingface": true}` and no more.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from milimo.api.deps import SettingsDep
from milimo.studio import hf_token

router = APIRouter(prefix="/tokens", tags=["models"])


class TokenState(BaseModel):
    huggingface: bool  # a token is stored (its value is never sent back)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=512)


@router.get("", response_model=TokenState)
def read_tokens(settings: SettingsDep) -> dict:
    """Whether a Hugging Face token is stored for gated downloads."""
    return {"huggingface": hf_token.has_token(settings.data_dir)}


@router.put("/huggingface", response_model=TokenState, responses={422: {"description": "Not a token"}})
def put_hf_token(body: TokenIn, settings: SettingsDep) -> dict:
    """Store the token in the data dir (mode 0600); downloads use it from now on."""
    hf_token.store_token(settings.data_dir, body.token)
    return {"huggingface": True}


@router.delete("/huggingface", response_model=TokenState)
def delete_hf_token(settings: SettingsDep) -> dict:
    """Forget the stored token."""
    hf_token.forget_token(settings.data_dir)
    return {"huggingface": False}
