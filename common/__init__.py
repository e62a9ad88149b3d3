"""Plumbing every stage shares: config files, the CLI wrapper, provenance, storage, and the stage contracts.

Nothing here imports a stage (preprocessing, modeling, inference, pipeline).
"""
