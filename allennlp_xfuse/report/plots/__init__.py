"""
PNG figures of the results (matplotlib, Agg backend). matplotlib is imported inside the functions,
so importing this package does not import it.
"""
