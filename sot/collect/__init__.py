"""Collectors: psutil -> plain snapshot records (see sot.model)."""
