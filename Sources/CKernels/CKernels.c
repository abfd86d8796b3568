// CKernels is header-only; SwiftPM needs one source file per C target.
#include "CKernels.h"
