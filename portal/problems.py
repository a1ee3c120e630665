"""Problem: what a person must be told when a step cannot be taken, in their language.

Each feature's problem (BookingProblem, RequestProblem, HoldProblem, ...) is a subclass with
its sentences in MESSAGES, and where a view answers with one, its HTTP status in STATUS. A
problem is raised before anything changes, or inside the transaction that it rolls back:
nothing a problem reports was changed.
"""


class Problem(Exception):
    """`code` picks the sentence from MESSAGES (lazy translations: read `message` inside a
    request, in the person's language); `values` fill in its %(name)s placeholders."""
    MESSAGES = {}
    STATUS = {}

    def __init__(self, code, **values):
        super().__init__(code)
        self.code = code
        self.values = values

    @property
    def message(self):
        text = self.MESSAGES[self.code]
        return text % self.values if self.values else text

    @property
    def status(self):
        return self.STATUS[self.code]
