"""One client per outside system (httpx + tenacity); no business rules."""
