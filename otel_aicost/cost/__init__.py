"""What a call costs, offline: ``pricer`` (Decimal arithmetic, SPEC section 3), ``pricing/`` (the price catalog and
its shipped data), ``estimate`` (``estimate_cost()`` before a call), ``tokens`` (tiktoken with the shipped ``encodings/``).
"""
