"""zundabot: a Discord bot for a podcast's listener community."""
