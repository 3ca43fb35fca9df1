"""Distributor sources: each turns queries into offers through the shared Transport."""
