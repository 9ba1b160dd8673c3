"""Ollama as a text engine: prompt enhancement and screenplay analysis over Ollama's HTTP API.

The base URL is validated once: http or https, no credentials, and a loopback host unless the
caller passes allow_remote=True (an enhancement request carries the user's prompts and images).
"""

from __future__ import annotations

import base64
import io
import ipaddress
import threading
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from PIL import Image

from milimo.engines.prompts import kept, read_enhancement, system_prompt, user_message
from milimo.engines.protocols import EngineUnavailable, Enhancement

# Families whose models accept images (llava and friends carry a CLIP projector, Llama 3.2 Vision is mllama).
VISION_FAMILIES = frozenset({"clip", "mllama", "qwen25vl", "qwen2vl", "gemma3", "minicpmv", "moondream", "llava"})
MAX_IMAGE_SIDE = 896


@dataclass(frozen=True)
class OllamaModel:
    name: str
    size: int  # bytes on the Ollama server's disk
    families: tuple[str, ...]
    vision: bool


def validate_base_url(url: str, *, allow_remote: bool = False) -> str:
    """The normalised base URL, or ValueError saying what to change."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"Ollama URL must start with http:// or https:// (got {url!r})")
    if not parts.hostname:
        raise ValueError(f"Ollama URL has no host: {url!r}")
    if parts.username or parts.password:
        raise ValueError("Ollama URL must not contain credentials")
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ValueError("Ollama URL is the server root, e.g. http://127.0.0.1:11434 (no path or query)")
    host = parts.hostname
    if not allow_remote and not _is_loopback(host):
        raise ValueError(
            f"Ollama host {host!r} is not on this machine; prompts and images would leave it. "
            "Use a loopback address or enable remote Ollama explicitly."
        )
    port = f":{parts.port}" if parts.port else ""
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{port}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _image_b64(image: Image.Image) -> str:
    img = image.convert("RGB")
    img.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return base64.b64encode(buf.getvalue()).decode("ascii")


class OllamaTextEngine:
    """TextEngine over a local Ollama server. Nothing to load: the server owns the model."""

    name = "ollama"
    family = "ollama"
    uses_accelerator = False  # the Ollama process manages its own GPU memory

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:11434",
        model: str = "llama3.1",
        *,
        allow_remote: bool = False,
        timeout_s: float = 60.0,
        connect_timeout_s: float = 3.0,
        keep_alive: str | int = 0,  # 0: unload right after, so the video model gets the GPU back
        temperature: float = 0.7,
        num_predict: int = 512,
    ) -> None:
        self.base_url = validate_base_url(base_url, allow_remote=allow_remote)
        self.model = model
        self.version = model
        self.keep_alive = keep_alive
        self.options = {"temperature": temperature, "top_p": 0.9, "num_predict": num_predict}
        self.timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._vision: dict[str, bool] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_library(cls, models_dir: Any = None, *, settings: Any = None, **options: Any) -> "OllamaTextEngine | None":
        """The engine when the configured server answers and has the configured model pulled, else None.

        Ollama keeps no weights in the model library; "present" means the server lists the model.
        """
        if settings is not None:
            options.setdefault("base_url", getattr(settings, "ollama_url", "http://127.0.0.1:11434"))
            options.setdefault("model", getattr(settings, "ollama_model", "llama3.1"))
            options.setdefault("allow_remote", bool(getattr(settings, "ollama_allow_remote", False)))
        options.setdefault("connect_timeout_s", 1.0)
        try:
            engine = cls(**options)
        except ValueError as exc:  # a remote or malformed URL: GET /engines says what to change
            raise EngineUnavailable(f"{exc} (MILIMO_OLLAMA_URL, MILIMO_OLLAMA_ALLOW_REMOTE)") from exc
        try:
            names = {m.name for m in engine.list_models()}
        except EngineUnavailable:
            return None
        return engine if engine.model in names or f"{engine.model}:latest" in names else None

    # ------------------------------------------------------------------ residency
    def load(self) -> None:
        """Nothing to load here; the server loads the model on the first request."""

    def unload(self) -> None:
        """Ask the server to drop the model from memory now (best effort)."""
        try:
            self._post("/api/generate", {"model": self.model, "keep_alive": 0}, timeout=httpx.Timeout(5.0))
        except EngineUnavailable:
            pass

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "base_url": self.base_url,
            "model": self.model,
            "device": "ollama server",
            "keep_alive": self.keep_alive,
        }

    # ------------------------------------------------------------------ HTTP
    def _post(self, path: str, body: dict[str, Any], timeout: httpx.Timeout | None = None) -> dict[str, Any]:
        try:
            r = httpx.post(self.base_url + path, json=body, timeout=timeout or self.timeout)
        except httpx.TimeoutException as exc:
            raise EngineUnavailable(f"Ollama at {self.base_url} did not answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"Ollama is not reachable at {self.base_url}: {exc}") from exc
        if r.status_code == 404:
            raise EngineUnavailable(f"Ollama has no model {self.model!r}; run `ollama pull {self.model}`")
        if r.status_code >= 400:
            raise EngineUnavailable(f"Ollama answered {r.status_code}: {r.text[:200]}")
        try:
            data = r.json()
        except ValueError as exc:
            raise EngineUnavailable("Ollama answered with something that is not JSON") from exc
        if not isinstance(data, dict):
            raise EngineUnavailable("Ollama answered with an unexpected JSON shape")
        return data

    def list_models(self) -> list[OllamaModel]:
        """The models the server has pulled (GET /api/tags). Raises EngineUnavailable when it is down."""
        try:
            r = httpx.get(self.base_url + "/api/tags", timeout=self.timeout)
            r.raise_for_status()
            items = r.json().get("models", [])
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise EngineUnavailable(f"cannot list Ollama models at {self.base_url}: {exc}") from exc
        models = []
        for m in items:
            details = m.get("details") or {}
            families = tuple(details.get("families") or ([details["family"]] if details.get("family") else []))
            vision = bool(VISION_FAMILIES.intersection(f.lower() for f in families))
            models.append(OllamaModel(str(m.get("name", "")), int(m.get("size") or 0), families, vision))
        with self._lock:
            self._vision.update({m.name: m.vision for m in models})
        return models

    def supports_images(self) -> bool:
        with self._lock:
            known = self._vision.get(self.model, self._vision.get(f"{self.model}:latest"))
        if known is None:
            try:
                self.list_models()
            except EngineUnavailable:
                return False
            with self._lock:
                known = self._vision.get(self.model, self._vision.get(f"{self.model}:latest", False))
        return bool(known)

    # ------------------------------------------------------------------ TextEngine
    def enhance(
        self,
        prompt: str,
        *,
        mode: Literal["video", "image"],
        image: Image.Image | None = None,
        duration_s: float = 5.0,
        seed: int = 42,
    ) -> Enhancement:
        """POST /api/generate with format=json; never raises: the original prompt comes back with a note."""
        try:
            send_image = image is not None and self.supports_images()
            body: dict[str, Any] = {
                "model": self.model,
                "system": system_prompt(mode, duration_s, send_image),
                "prompt": user_message(prompt),
                "format": "json",
                "stream": False,
                "keep_alive": self.keep_alive,
                "options": {**self.options, "seed": int(seed)},
            }
            if send_image and image is not None:  # send_image implies an image; said again for the checker
                body["images"] = [_image_b64(image)]
            data = self._post("/api/generate", body)
        except EngineUnavailable as exc:
            return kept(prompt, f"prompt enhancement skipped: {exc}")
        except Exception as exc:  # never let enhancement fail a generation
            return kept(prompt, f"prompt enhancement failed ({type(exc).__name__}); the original prompt was kept")
        result = read_enhancement(str(data.get("response", "")), prompt, has_image=send_image, source=f"Ollama ({self.model})")
        if data.get("done_reason") == "length" and not result.note:
            result = Enhancement(result.prompt, result.is_reference_only, "Ollama stopped at its token limit")
        if image is not None and not send_image and not result.note:
            result = Enhancement(result.prompt, False, f"{self.model} cannot see images; the prompt was enhanced from text only")
        return result

    def chat(self, system: str, user: str, *, max_new_tokens: int = 1024, seed: int = 42) -> str:
        """Free-form completion; raises EngineUnavailable when Ollama cannot answer."""
        data = self._post(
            "/api/generate",
            {
                "model": self.model,
                "system": system,
                "prompt": user,
                "stream": False,
                "keep_alive": self.keep_alive,
                "options": {**self.options, "num_predict": int(max_new_tokens), "seed": int(seed)},
            },
        )
        text = data.get("response")
        if not isinstance(text, str):
            raise EngineUnavailable("Ollama answered without a response text")
        return text
