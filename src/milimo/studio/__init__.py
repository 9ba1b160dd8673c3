"""Domain logic: projects, shots, scenes, assets. Never imports FastAPI."""
