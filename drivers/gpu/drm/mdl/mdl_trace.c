// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Instantiates the tracepoints declared in mdl_trace.h. */

#define CREATE_TRACE_POINTS
#include "mdl_trace.h"
