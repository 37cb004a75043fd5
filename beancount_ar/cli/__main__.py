"""`python -m beancount_ar.cli`: the same as `bean-ar`."""

from beancount_ar.cli import main

main()
