"""One module per screen. Screens show state and emit intents; ui.window decides."""
