import sys
from pathlib import Path

# Import the CLI package from the checkout, as scripts/pgokit does.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
