"""zvm as a library: ``zvm.Game`` (game), isolated games (isolated), valid
actions (actions), many games at once (games), a Gymnasium environment
(gym_env), and what they learn from a story (profile, grammar, world) through
the one module that touches the machine (access)."""
