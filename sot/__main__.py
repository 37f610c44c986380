import sys

from sot.cli import main

sys.exit(main())
