"""``/``: the step-through page (the page a class is shown first) at the app's root address."""
from components.step.page import page

page()
