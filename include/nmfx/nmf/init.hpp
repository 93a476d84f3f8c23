#pragma once
// Initial factors. Every one is a function of global indices (and the seed),
// so the same settings give the same factors on every grid.
#include <cstdint>
#include <string>

#include "nmfx/la/decompositions.hpp"

namespace nmfx::nmf {

/// Uniform random W and H (any distribution; local) with entries in
/// [0, 2 sqrt(mean(X)/k)), so that the initial W H matches X's mean.
void random_init(std::uint64_t seed, double x_mean, dist::Factor& w, dist::Factor& h);

/// Identity-based (as in the seeds; local): W = I (m x k) and H = I (k x n),
/// ones where the global row and column indices agree. Entries that start at
/// 0 stay at 0 under mu; the other rules move them.
void eye_init(dist::Factor& w, dist::Factor& h);

/// How NNDSVD fills the zeros it leaves: keeps them (nndsvd), with mean(X)
/// (nndsvda), or with uniform random values in [0, mean(X)/100) (nndsvdar).
enum class NndsvdFill { zeros, mean, random };

/// NNDSVD (Boutsidis & Gallopoulos 2008) from X's leading singular triplets
/// (`svd`, with vectors): each triplet's dominant non-negative part, its
/// zeros filled as `fill` says. Components beyond X's rank (past the
/// triplets svd holds, k > min(m, n), or whose vectors it left zero) start
/// at uniform random values in [0, mean(X)/100) whatever `fill` says: zeros
/// there would stay dead under every rule. `w` is laid out like svd.u and
/// `h` like svd.v. Collective: component norms are sums over the vectors'
/// reduce_comm().
void nndsvd_init(const la::Svd& svd, NndsvdFill fill, double x_mean, std::uint64_t seed,
                 dist::Factor& w, dist::Factor& h);

}  // namespace nmfx::nmf
