"""The one exception type the command line turns into a one-line message."""


class CourseError(Exception):
    """A problem the learner can fix: the message says what and how.

    The CLI prints it as a single line and exits with status 2, instead of
    dumping a traceback on someone who only mistyped a path.
    """
