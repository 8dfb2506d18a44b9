import sys

from hfjobs_spec.github.runner import main

sys.exit(main())
