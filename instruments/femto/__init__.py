"""FEMTO current amplifiers."""
