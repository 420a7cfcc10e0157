"""The Flask web console and REST API: agents, supervisors and scripts (the app: `console.app.create_app`)."""
