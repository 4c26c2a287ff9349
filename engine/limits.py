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
LEAN_MAX_ENTRIES = 4_096            # a tensor with more entries is sent as a summary (/api/trace)
LEAN_PREVIEW_SIDE = 64              # a summary's preview: at most this many blocks a side
LEAN_FIRST_ENTRIES = 8              # a summary's first entries, written exactly
WINDOW_MAX_ENTRIES = 4_096          # exact entries in one window of a big tensor (/api/window)
GRADCHECK_H = 1e-4                  # step of the two-sided difference (the default)
GRADCHECK_H_MIN = 1e-10             # smallest step accepted (below, rounding swamps the difference)
GRADCHECK_H_MAX = 1.0               # largest step accepted
GRADCHECK_ENTRIES_PER_LEAF = 12     # entries checked per leaf (sampled beyond this)
GRADCHECK_MAX_ENTRIES = 96          # entries checked over all leaves
GRADCHECK_RTOL = 1e-5               # relative error that passes
UNROLL_MAX_ENTRIES = 64             # unroll: entries of any one tensor of the program
UNROLL_MAX_NODES = 2_000            # unroll: nodes of the scalar graph it makes
GRADCHECK_ATOL = 1e-7               # absolute error that passes whatever the relative one
MAX_TRAIN_STEPS = 5_000             # updates in one training run
MAX_TRAIN_RUNS = 8                  # runs in one training request
MAX_TRAIN_WORK = 100_000_000        # steps × runs × the graph's size, in one request
WORK_PER_NODE = 256                 # a node's size in that product: numbers, plus this per node (its overhead)
TRAJECTORY_ENTRIES = 64             # a parameter's entries kept per iteration (sampled beyond this)
MAX_SLICE_GRID = 81                 # points per axis of a loss slice
MAX_LRMAP_CELLS = 144               # learning rates × momenta in one learning-rate map
MAX_LRMAP_STEPS = 500               # steps of each short run in a learning-rate map
