"""In-process budgets (SPEC section 7): ``rules`` (``Budget``, ``BudgetExceeded``), ``book`` (spend per budget and
period), ``guard`` (reserve before a call, settle after it).
"""
