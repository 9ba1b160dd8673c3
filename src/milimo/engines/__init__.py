"""AI engines: one Protocol per capability, a real implementation and a CPU draft implementation each."""
