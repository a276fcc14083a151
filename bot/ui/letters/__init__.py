"""Discord pieces of the letters feature: texts, the letter form, the hosts' message and its buttons, paging."""
