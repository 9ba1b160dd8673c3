"""The segmentation service (seed §3): SAM 3 or the OpenCV draft engine behind a loopback-only HTTP API.

It runs as its own process (`milimo sam-service`, port 8001) so that a crash, a long model load
or a GPU out-of-memory there never takes the studio down. The studio talks to it through
`milimo.studio.segmentation`; `supervisor.py` starts it beside the studio and restarts it.
"""
