"""Every limit the engine enforces, as named constants (documented in the README).

Each is checked before the work it guards is done: source length, statements, list items
and call arguments before parsing, nesting depth while walking the syntax tree, tensor
sizes on the computed shape before anything is allocated.
"""

MAX_SOURCE_CHARS = 4_000_000        # characters in one program
MAX_STATEMENTS = 120_000            # statements in one program
MAX_NODES = 250_000                 # graph nodes (leaves, constants and operations)
MAX_DEPTH = 64                      # nesting depth of one expression
MAX_NUMBER_CHARS = 40               # characters in one number literal
MAX_NUMBER_MAGNITUDE = 1e300        # largest literal magnitude accepted
MAX_DIMS = 2                        # scalars, vectors and matrices
MAX_ELEMENTS = 1_000_000            # elements in any one tensor
MAX_LIST_ITEMS = MAX_ELEMENTS       # items in one list literal (counted before parsing)
MAX_CALL_ARGUMENTS = 50_000         # arguments in one call, e.g. concat (counted before parsing)
MAX_TOTAL_ELEMENTS = 8_000_000      # elements summed over all nodes of one graph
MAX_SEED = 2**32 - 1                # largest seed= accepted by randn/xavier/kaiming
MAX_LAYERS = 64                     # rows of the layer view (nonlinearity outputs or tensor statements)
MAX_LAYER_INITS = 4                 # initializations one layer view compares side by side
JACOBIAN_MAX_ENTRIES = 64           # a step shows the local Jacobian up to this size
GRADCHECK_H = 1e-4                  # step of the two-sided difference (the default)
GRADCHECK_H_MIN = 1e-10             # smallest step accepted (below, rounding swamps the difference)
GRADCHECK_H_MAX = 1.0               # largest step accepted
GRADCHECK_ENTRIES_PER_LEAF = 12     # entries checked per leaf (sampled beyond this)
GRADCHECK_MAX_ENTRIES = 96          # entries checked over all leaves
GRADCHECK_RTOL = 1e-5               # relative error that passes
GRADCHECK_ATOL = 1e-7               # absolute error that passes whatever the relative one
