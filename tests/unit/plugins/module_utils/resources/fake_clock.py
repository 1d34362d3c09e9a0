"""A clock whose sleep moves it on at once: waits and deadlines run in no time and can be reasoned about exactly."""


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
