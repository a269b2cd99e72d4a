"""GHPO: Guided Hybrid Policy Optimization on top of TRL's GRPOTrainer."""

__version__ = "0.1.0"
