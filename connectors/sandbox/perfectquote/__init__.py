"""A working PerfectQuote REST sandbox: the contract perfectquote-api.md over real HTTP."""
