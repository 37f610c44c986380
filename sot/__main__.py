import sys

from sot import main

sys.exit(main())
