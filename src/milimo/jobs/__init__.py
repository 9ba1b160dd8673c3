"""Jobs: durable rows, an executor with GPU slots, the event bus and SSE, cancellation."""
