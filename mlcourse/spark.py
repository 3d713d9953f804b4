"""Apache Spark in local mode, an optional extra: a real JVM on this laptop, started and always stopped.

pyspark needs a Java runtime (17 or newer), which pip cannot install, and adds
about 490 MB, so the course installs it only where Java is (``make spark``, or
``make lab`` / ``make test`` when ``java`` is on the PATH). :func:`missing`
says in one line what is not there and how to get it; lesson 15 prints that
line and skips its Spark part.

:func:`session` starts Spark with ``local[2]`` (two worker threads in one
JVM): the driver, the block manager and py4j listen on 127.0.0.1 only, the web
UI is off, and everything the JVM prints goes to ``.course/logs/spark.log``
instead of the notebook. When the ``with`` block ends, or a cell fails inside
it, Spark is stopped and the JVM exits. On a cluster the same code runs with
another master URL (``spark://host:7077``, ``yarn``, ``k8s://...``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterator

from mlcourse.course import STATE_DIR
from mlcourse.servers import HOST

JAVA_NEEDED = 17
LOG = STATE_DIR / "logs" / "spark.log"
HOW_TO_GET_JAVA = ("install Java 17 or newer (Debian/Ubuntu/WSL: sudo apt install openjdk-17-jre-headless; "
                   "macOS: brew install openjdk@17; conda: conda install -c conda-forge openjdk=17), then run make spark")
JVM_OPTIONS = " ".join([
    "-XX:+UseSerialGC",  # one small collector: 80 MB less than the default for a laptop-sized job
    "-XX:TieredStopAtLevel=1",  # the quick compiler only: a short job starts and warms up 2 to 3 s sooner
    "-Ddev.ludovic.netlib.blas.allowNative=false",  # MLlib's pure-Java BLAS: no probing for native libraries
])


def java_version() -> int | None:
    """The major version of the ``java`` on the PATH (8 for ``1.8.0``), or None when there is none."""
    java = shutil.which("java")
    if java is None:
        return None
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown)
    if found is None:
        return None
    major, minor = int(found[1]), int(found[2] or 0)
    return minor if major == 1 else major


def missing() -> str | None:
    """Why Spark cannot run here, with what to do, in one line; None when it can."""
    version = java_version()
    if version is None:
        return f"Spark needs Java, and there is no java on the PATH: {HOW_TO_GET_JAVA}."
    if version < JAVA_NEEDED:
        return f"Spark needs Java {JAVA_NEEDED} or newer, and this java is {version}: {HOW_TO_GET_JAVA}."
    if pyspark_version() is None:
        return "Spark (pyspark) is not installed in the course's environment: run make spark (about 490 MB, once)."
    return None


def pyspark_version() -> str | None:
    """The installed pyspark's version, or None (without importing it: that takes a second)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyspark")
    except PackageNotFoundError:
        return None


def _configuration(app: str, cores: int, memory: str):
    from pyspark import SparkConf

    return (SparkConf().setMaster(f"local[{cores}]").setAppName(app)
            .set("spark.driver.host", HOST).set("spark.driver.bindAddress", HOST)
            .set("spark.driver.memory", memory).set("spark.driver.extraJavaOptions", JVM_OPTIONS)
            .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false")
            .set("spark.sql.shuffle.partitions", str(cores))  # 200 by default: 200 tiny tasks on a laptop
            .set("spark.sql.session.timeZone", "UTC"))


@contextlib.contextmanager
def session(app: str = "mlcourse", cores: int = 2, memory: str = "512m") -> Iterator:
    """A ``SparkSession`` on ``local[cores]``, stopped (JVM included) when the block ends."""
    reason = missing()
    if reason:
        raise RuntimeError(reason)
    os.environ["SPARK_LOCAL_IP"] = HOST
    # pyspark 4.3 warns on every conversion that it does not yet "fully support" pandas 3; nothing a learner can act on
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark import SparkContext
    from pyspark.java_gateway import launch_gateway
    from pyspark.sql import SparkSession

    configuration = _configuration(app, cores, memory)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(LOG, "w", encoding="utf-8") as log:
        gateway = launch_gateway(configuration, popen_kwargs={"stdout": log, "stderr": subprocess.STDOUT})
    try:
        context = SparkContext(conf=configuration, gateway=gateway)
        try:
            yield SparkSession(context)
        finally:
            context.stop()
    finally:
        _stop_jvm(gateway)


def _stop_jvm(gateway) -> None:
    """Shut the py4j gateway and wait for the JVM to exit, so a later session starts a fresh one."""
    from pyspark import SparkContext

    with contextlib.suppress(Exception):
        gateway.shutdown()
    process = gateway.proc
    with contextlib.suppress(Exception):
        process.stdin.close()  # the JVM exits when its stdin closes
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    SparkContext._gateway = SparkContext._jvm = None

