"""One item's journey: intake, the triage gate, routing, the role graph, replay."""
