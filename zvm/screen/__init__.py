"""The screen model and the protocol every frontend implements."""
