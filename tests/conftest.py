import os
import time

# Render output shows local times (clock, process start): pin the zone so goldens are stable.
os.environ["TZ"] = "UTC"
time.tzset()
