# /// script
# dependencies = ["huggingface_hub"]
# ///
import sys

print("training", sys.argv[1:])
