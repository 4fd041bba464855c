"""`plansync demo`: the whole product in one process, told as a story a newcomer can follow."""
