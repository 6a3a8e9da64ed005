"""Stand-in for pypa's get-pip.py, which ansible-test downloads from a host this network
cannot reach: bootstrap pip from the standard library (ensurepip), then install what
ansible-test asked for from the package index."""
import subprocess
import sys

GET_PIP_ONLY_FLAGS = {"--no-setuptools", "--no-wheel"}

args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY_FLAGS]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
