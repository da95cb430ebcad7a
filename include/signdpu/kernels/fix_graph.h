// FixGraph moved to the ir module (signdpu/ir/fix_graph.h, library
// signdpu::ir). This forwarding header keeps existing includes building;
// new code includes signdpu/ir/fix_graph.h.
#pragma once

#include "signdpu/ir/fix_graph.h"
