# %% [markdown]
# # 00 · Welcome: how this workbook works
#
# **Questions**
# - How is a day of this course organised, and what will I be able to do at the end?
# - How do I run a lesson, do an exercise, and know at once whether I got it right?
# - Which tools do machine learning engineers use, and when does each fit?
#
# **Objectives**
# - Run a notebook cell by cell and read a check's verdict.
# - Grade your own exercises with `pytest --nbval-lax` or `mlcourse grade`.
# - Check that your machine is ready with `mlcourse doctor`.
# - Name the sweet spot of the main languages, libraries and workflow tools.
#
# **Minutes**: 10 (5 teaching, 5 exercises) · **Prerequisites**: Python and a terminal; no machine learning needed.

# %% [markdown]
# ## What machine learning engineering is
#
# Machine learning engineering applies machine learning science to production
# systems. It asks for two kinds of skill, rarely found in one person: the
# scientist's (data, models, experiments) and the engineer's (code, tests,
# deployment, operations). This course teaches both halves the same way: by
# running real code on your laptop. The work falls into three areas:

# %%
import matplotlib.pyplot as plt
import pandas as pd

from mlcourse.course import LESSONS

pd.DataFrame(
    {
        "what it covers": [
            "facilities and tools for research and engineering; continuous integration and delivery",
            "data analysis, data preparation, model selection, training a model",
            "model inference, model optimisation, deployment, monitoring",
        ],
        "lessons": ["00, 12, 14, 15", "01 to 11", "13, 14"],
    },
    index=pd.Index(["infrastructure", "research", "production"], name="area"),
)

# %% [markdown]
# ## The day
#
# The lessons each serve one of the seven goals of the class: validate the
# problem definition; select preliminary models; recreate published results;
# build training and validation sets; automate experiment tracking; adapt and tune
# models; deploy and support them in production. The minutes below are teaching
# time for a live class; every notebook itself *runs* in seconds.

# %%
agenda = pd.DataFrame(
    [(lesson.stem, lesson.goal, lesson.minutes, lesson.available()) for lesson in LESSONS],
    columns=["lesson", "goal", "minutes", "ready"],
)
print(f"{len(agenda)} lessons, {agenda.minutes.sum()} minutes of teaching "
      f"({agenda.minutes.sum() / 60:.1f} hours); {agenda.ready.sum()} ready in this copy of the course.")

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
colors = agenda.ready.map({True: "tab:blue", False: "lightgray"})
ax.barh(agenda.lesson, agenda.minutes, color=colors)
ax.invert_yaxis()
ax.set_xlabel("teaching minutes (lesson + exercises)")
ax.set_title("A one-day class: minutes per lesson (grey: not written yet)")
plt.tight_layout()

# %% [markdown]
# ## How a lesson works
#
# Every lesson comes as three notebooks with the same name:
#
# | folder | what it is | what you do with it |
# |---|---|---|
# | `lessons/` | the story and live demos | read and run, top to bottom |
# | `exercises/` | the same topics as small functions for you to write | replace each `raise NotImplementedError(...)` with your code |
# | `solutions/` | the exercises, solved | look when stuck, compare when done |
#
# After every exercise comes a **check cell**, `check.<function>(<function>)`. It
# calls your function on several prepared inputs, edge cases included, and
# compares with a reference answer. Here is what a check says to a wrong answer:
# this `accuracy` counts the matching labels but forgets to divide by how many
# there are.

# %%
from mlcourse import check


def accuracy(y_true, y_pred):
    return sum(truth == guess for truth, guess in zip(y_true, y_pred))


try:
    check.accuracy(accuracy)
except AssertionError as verdict:
    print("✗", verdict)

# %% [markdown]
# In your exercise notebook that message appears as an `AssertionError` under
# the check cell. It says what went in, what was expected, what came back, and
# gives a hint. Fix the function and run both cells again:

# %%
def accuracy(y_true, y_pred):
    matches = sum(truth == guess for truth, guess in zip(y_true, y_pred))
    return matches / len(y_true)


check.accuracy(accuracy)

# %% [markdown]
# A check accepts any correct answer (a loop, numpy, pandas: your choice), not
# just the one in the solutions.
#
# ## Grading your work
#
# Each check cell is also a test. From a terminal in the course folder:
#
# ```
# pytest --nbval-lax exercises/00_welcome.ipynb    # one test per cell; failing checks fail
# mlcourse grade exercises/                        # a table: exercise, pass/fail, message, score
# ```
#
# Save the notebook first: both read the file on disk. Instructors can point
# `mlcourse grade` at a folder of learners' notebooks and add `--csv` or `--json`.
#
# ## Is my machine ready?
#
# `mlcourse doctor` checks everything the course needs: Python, package versions,
# a CPU build of PyTorch, the Jupyter kernel, the data files (by SHA-256), the
# notebooks, and free disk. Each failure comes with the command that fixes it.
# Nothing in the course downloads anything once it is installed: it works offline.

# %%
from mlcourse.workbook import doctor

verdicts = doctor.run()
pd.DataFrame([(v.name, "✓" if v.ok else "✗", v.detail, v.fix) for v in verdicts],
             columns=["check", "ok", "detail", "fix"])

# %% [markdown]
# ## Tools of the trade
#
# No tool is best for everything. These tables give each one's sweet spot and
# when to look elsewhere. The last column says where you will meet it in this course.
#
# **Programming languages**

# %%
pd.DataFrame(
    [
        ("Python", "general ML, data processing, systems integration", "every lesson"),
        ("R", "statistics, general data science", "(not used)"),
        ("C/C++", "system software, high-performance computing", "under numpy and PyTorch"),
        ("JavaScript", "web-based applications", "(not used)"),
        ("Java/Scala", "enterprise integration", "Spark, lesson 15"),
        ("bash", "systems integration", "make and the terminal"),
    ],
    columns=["language", "when to use", "in this course"],
).set_index("language")

# %% [markdown]
# **Computational libraries and frameworks**

# %%
pd.DataFrame(
    [
        ("TensorFlow", "deep learning, production systems including mobile", "new to ML, no production requirements", "(pointers only)"),
        ("PyTorch", "ease of use, popular with researchers", "production needs beyond simple serving", "lessons 04, 08 to 11, 13, 15"),
        ("Keras", "ease of use, production backend with TensorFlow", "your colleagues use another library", "(pointers only)"),
        ("scikit-learn", "general-purpose ML", "deep learning, GPU needed", "lessons 01 to 08"),
        ("MXNet", "performance, scalability, stability", "you need a larger community", "(not used)"),
        ("Caffe 2", "computer vision heritage", "you need a larger community or features", "(not used)"),
    ],
    columns=["library", "sweet spot", "when to look elsewhere", "in this course"],
).set_index("library")

# %% [markdown]
# **Prepackaged models (start from someone else's training)**

# %%
pd.DataFrame(
    [
        ("spaCy", "natural language processing", "Python, TensorFlow, PyTorch"),
        ("TF-Slim", "image classification", "TensorFlow"),
        ("TensorFlow object detection", "object detection", "TensorFlow"),
        ("TensorFlow Hub, TensorFlow models", "various", "TensorFlow"),
        ("Caffe Model Zoo", "various", "Caffe"),
        ("Keras applications", "various", "Keras"),
    ],
    columns=["name", "application", "language and libraries"],
).set_index("name")

# %% [markdown]
# Lesson 11 shows the idea behind all of them, *transfer learning*, with a small
# network pretrained by a script in this repository, since the course never
# downloads weights.
#
# **Scripting and workflow tools**

# %%
pd.DataFrame(
    [
        ("scripting", "Python + argparse", "reusable scripts with well-defined interfaces", "lesson 12"),
        ("scripting", "make, cmake, ninja", "general build automation", "`make lab`, `make test`"),
        ("scripting", "Guild AI", "capture script output as ML experiments", "(pointers only)"),
        ("workflow", "MLflow", "enterprise-wide ML workflow, experiment tracking", "lesson 12"),
        ("workflow", "Airflow", "general workflow automation", "lesson 15"),
        ("workflow", "Polyaxon, Kubernetes", "container-based job scheduling", "lesson 15"),
        ("workflow", "plain scripts", "ad hoc automation", "everywhere"),
    ],
    columns=["kind", "tool", "when to use", "in this course"],
).set_index(["kind", "tool"])

# %% [markdown]
# ## Keypoints
#
# - Each lesson is three notebooks: `lessons/` to follow, `exercises/` to do, `solutions/` to compare.
# - A check cell answers at once: ✓, or a message with what was expected and a hint.
# - `pytest --nbval-lax exercises/NN_*.ipynb` and `mlcourse grade` turn check cells into pass/fail.
# - `mlcourse doctor` says whether the machine is ready and how to fix what is not.
# - Pick a tool for its sweet spot; Python, scikit-learn and PyTorch carry this course.
