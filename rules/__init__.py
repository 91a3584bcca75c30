"""The law: pure domain logic of the 办件 monitor (working days, time limits, levels).

Nothing here reads files, databases, mail or the clock; ``now`` is always passed in.
"""
