from bot.interfaces.cli import main

# The same program as the `treatybot` console script, help and usage included.
main(prog_name="treatybot")
