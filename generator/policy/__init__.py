"""The policy language: model types, conditions (one parser, one evaluator), presets, loading."""
