"""Crash-safe search state: durable files, KerasTuner's oracles and resume points, the search identity."""
