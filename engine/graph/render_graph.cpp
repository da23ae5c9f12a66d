#include "graph/render_graph.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <queue>
#include <utility>

namespace mq::graph {
namespace {

constexpr VkAccessFlags2 kWriteBits =
    VK_ACCESS_2_SHADER_WRITE_BIT | VK_ACCESS_2_SHADER_STORAGE_WRITE_BIT |
    VK_ACCESS_2_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_2_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT |
    VK_ACCESS_2_TRANSFER_WRITE_BIT | VK_ACCESS_2_HOST_WRITE_BIT | VK_ACCESS_2_MEMORY_WRITE_BIT;

[[noreturn]] void fail(const std::string& message) {
  throw GraphError(message);
}

std::string quote(const std::string& name) {
  return "'" + name + "'";
}

// Synchronization state of one resource while walking the passes in execution order.
struct Track {
  VkImageLayout layout = VK_IMAGE_LAYOUT_UNDEFINED;
  VkPipelineStageFlags2 writeStages = 0;  // last write, or the use that saw a layout transition
  VkAccessFlags2 writeAccess = 0;         // its write bits (a barrier makes them available)
  VkPipelineStageFlags2 readStages = 0;   // reads since then: a later write must wait (WAR)
  // (stage, access) scopes the last write was made visible to: reads there need no barrier.
  std::vector<std::pair<VkPipelineStageFlags2, VkAccessFlags2>> visible;
};

Track trackFrom(const ResourceState& s) {
  Track t;
  t.layout = s.layout;
  t.readStages = s.stage;
  if (s.access & kWriteBits) {
    t.writeStages = s.stage;
    t.writeAccess = s.access & kWriteBits;
  }
  return t;
}

bool visibleTo(const Track& t, const ResourceState& dst) {
  if (dst.stage == 0 && dst.access == 0) return true;
  return std::any_of(t.visible.begin(), t.visible.end(), [&](const auto& scope) {
    return (dst.stage & ~scope.first) == 0 && (dst.access & ~scope.second) == 0;
  });
}

// Advances `t` to a use in state `dst` and returns the barrier that must precede it, if any.
std::optional<Barrier> transition(Track& t, uint32_t resource, bool image, ResourceState dst,
                                  bool writes) {
  if (!image) dst.layout = VK_IMAGE_LAYOUT_UNDEFINED;
  Barrier b{resource, image, {VK_PIPELINE_STAGE_2_NONE, VK_ACCESS_2_NONE, t.layout}, dst};
  const bool layoutChange = image && dst.layout != t.layout;
  bool needed = layoutChange;
  if (writes || layoutChange) {
    // WAW and WAR (a layout transition is a write too): every earlier access must finish, and
    // earlier writes must be made available.
    b.src.stage = t.writeStages | t.readStages;
    b.src.access = t.writeAccess;
    needed = needed || b.src.stage != 0;
  } else if (t.writeStages != 0 && !visibleTo(t, dst)) {
    // RAW: the last write must become visible to this stage and access. Reads in between
    // don't matter, and a read already covered by an earlier barrier needs nothing more.
    b.src.stage = t.writeStages;
    b.src.access = t.writeAccess;
    needed = true;
  }

  if (writes) {
    t = Track{dst.layout, dst.stage, dst.access & kWriteBits, 0, {}};
  } else if (layoutChange) {
    // The transition ran inside this barrier: later reads chain through this use's stage, and
    // the barrier already made every earlier write available.
    t = Track{dst.layout, dst.stage, 0, dst.stage, {{dst.stage, dst.access}}};
  } else {
    t.readStages |= dst.stage;
    if (needed) t.visible.emplace_back(dst.stage, dst.access);
  }
  if (!needed) return std::nullopt;
  return b;
}

std::string flagNames(uint64_t flags,
                      std::initializer_list<std::pair<uint64_t, const char*>> names) {
  if (flags == 0) return "NONE";
  std::string out;
  for (const auto& [bit, name] : names) {
    if (!(flags & bit)) continue;
    out += (out.empty() ? "" : "|") + std::string(name);
    flags &= ~bit;
  }
  if (flags != 0) {
    char hex[24];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(flags));
    out += (out.empty() ? "" : "|") + std::string(hex);
  }
  return out;
}

std::string stateName(const ResourceState& s, bool image) {
  std::string out =
      flagNames(s.stage, {{VK_PIPELINE_STAGE_2_COMPUTE_SHADER_BIT, "COMPUTE"},
                          {VK_PIPELINE_STAGE_2_FRAGMENT_SHADER_BIT, "FRAGMENT"},
                          {VK_PIPELINE_STAGE_2_COLOR_ATTACHMENT_OUTPUT_BIT, "COLOR_OUTPUT"},
                          {VK_PIPELINE_STAGE_2_TRANSFER_BIT, "TRANSFER"},
                          {VK_PIPELINE_STAGE_2_HOST_BIT, "HOST"},
                          {VK_PIPELINE_STAGE_2_ALL_COMMANDS_BIT, "ALL_COMMANDS"}});
  out += " " + flagNames(s.access, {{VK_ACCESS_2_SHADER_SAMPLED_READ_BIT, "SAMPLED_READ"},
                                    {VK_ACCESS_2_SHADER_STORAGE_READ_BIT, "STORAGE_READ"},
                                    {VK_ACCESS_2_SHADER_STORAGE_WRITE_BIT, "STORAGE_WRITE"},
                                    {VK_ACCESS_2_COLOR_ATTACHMENT_READ_BIT, "COLOR_READ"},
                                    {VK_ACCESS_2_COLOR_ATTACHMENT_WRITE_BIT, "COLOR_WRITE"},
                                    {VK_ACCESS_2_TRANSFER_READ_BIT, "TRANSFER_READ"},
                                    {VK_ACCESS_2_TRANSFER_WRITE_BIT, "TRANSFER_WRITE"},
                                    {VK_ACCESS_2_HOST_READ_BIT, "HOST_READ"},
                                    {VK_ACCESS_2_HOST_WRITE_BIT, "HOST_WRITE"}});
  if (!image) return out;
  switch (s.layout) {
    case VK_IMAGE_LAYOUT_UNDEFINED:
      return out + " UNDEFINED";
    case VK_IMAGE_LAYOUT_GENERAL:
      return out + " GENERAL";
    case VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL:
      return out + " COLOR_ATTACHMENT";
    case VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL:
      return out + " SHADER_READ_ONLY";
    case VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL:
      return out + " TRANSFER_SRC";
    case VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL:
      return out + " TRANSFER_DST";
    case VK_IMAGE_LAYOUT_PRESENT_SRC_KHR:
      return out + " PRESENT_SRC";
    default:
      return out + " layout " + std::to_string(s.layout);
  }
}

}  // namespace

AccessInfo accessInfo(Access a) {
  constexpr VkPipelineStageFlags2 kCompute = VK_PIPELINE_STAGE_2_COMPUTE_SHADER_BIT;
  constexpr VkAccessFlags2 kStorageRead = VK_ACCESS_2_SHADER_STORAGE_READ_BIT;
  constexpr VkAccessFlags2 kStorageWrite = VK_ACCESS_2_SHADER_STORAGE_WRITE_BIT;
  constexpr VkImageUsageFlags kStorage = VK_IMAGE_USAGE_STORAGE_BIT;
  constexpr VkBufferUsageFlags kStorageBuffer = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  switch (a) {
    case Access::ComputeSampledRead:
      return {kCompute,
              VK_ACCESS_2_SHADER_SAMPLED_READ_BIT,
              VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
              VK_IMAGE_USAGE_SAMPLED_BIT,
              0,
              false};
    case Access::ComputeStorageRead:
      return {kCompute, kStorageRead, VK_IMAGE_LAYOUT_GENERAL, kStorage, kStorageBuffer, false};
    case Access::ComputeStorageWrite:
      return {kCompute, kStorageWrite, VK_IMAGE_LAYOUT_GENERAL, kStorage, kStorageBuffer, true};
    case Access::ComputeStorageReadWrite:
      return {
          kCompute, kStorageRead | kStorageWrite, VK_IMAGE_LAYOUT_GENERAL, kStorage, kStorageBuffer,
          true};
    case Access::ComputeSampledStorageReadWrite:
      return {kCompute,
              VK_ACCESS_2_SHADER_SAMPLED_READ_BIT | kStorageRead | kStorageWrite,
              VK_IMAGE_LAYOUT_GENERAL,
              VK_IMAGE_USAGE_SAMPLED_BIT | kStorage,
              0,
              true};
    case Access::ComputeSampledReadGeneral:
      return {kCompute,
              VK_ACCESS_2_SHADER_SAMPLED_READ_BIT,
              VK_IMAGE_LAYOUT_GENERAL,
              VK_IMAGE_USAGE_SAMPLED_BIT,
              0,
              false};
    case Access::ComputeTexelBufferRead:
      return {kCompute, VK_ACCESS_2_SHADER_SAMPLED_READ_BIT,      VK_IMAGE_LAYOUT_GENERAL,
              0,        VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT, false};
    case Access::FragmentSampledRead:
      return {VK_PIPELINE_STAGE_2_FRAGMENT_SHADER_BIT,
              VK_ACCESS_2_SHADER_SAMPLED_READ_BIT,
              VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
              VK_IMAGE_USAGE_SAMPLED_BIT,
              0,
              false};
    case Access::ColorAttachmentWrite:
      return {VK_PIPELINE_STAGE_2_COLOR_ATTACHMENT_OUTPUT_BIT,
              VK_ACCESS_2_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_2_COLOR_ATTACHMENT_READ_BIT,
              VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
              VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT,
              0,
              true};
    // TRANSFER rather than COPY so that blits and clears are covered too.
    case Access::TransferSrc:
      return {VK_PIPELINE_STAGE_2_TRANSFER_BIT,     VK_ACCESS_2_TRANSFER_READ_BIT,
              VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
              VK_BUFFER_USAGE_TRANSFER_SRC_BIT,     false};
    case Access::TransferDst:
      return {VK_PIPELINE_STAGE_2_TRANSFER_BIT,     VK_ACCESS_2_TRANSFER_WRITE_BIT,
              VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_USAGE_TRANSFER_DST_BIT,
              VK_BUFFER_USAGE_TRANSFER_DST_BIT,     true};
    case Access::HostRead:
      return {VK_PIPELINE_STAGE_2_HOST_BIT,
              VK_ACCESS_2_HOST_READ_BIT,
              VK_IMAGE_LAYOUT_GENERAL,
              0,
              0,
              false};
  }
  abortWithMessage(__FILE__, __LINE__, "unknown graph::Access");
}

const char* accessName(Access a) {
  switch (a) {
    case Access::ComputeSampledRead:
      return "ComputeSampledRead";
    case Access::ComputeStorageRead:
      return "ComputeStorageRead";
    case Access::ComputeStorageWrite:
      return "ComputeStorageWrite";
    case Access::ComputeStorageReadWrite:
      return "ComputeStorageReadWrite";
    case Access::ComputeSampledStorageReadWrite:
      return "ComputeSampledStorageReadWrite";
    case Access::ComputeSampledReadGeneral:
      return "ComputeSampledReadGeneral";
    case Access::ComputeTexelBufferRead:
      return "ComputeTexelBufferRead";
    case Access::FragmentSampledRead:
      return "FragmentSampledRead";
    case Access::ColorAttachmentWrite:
      return "ColorAttachmentWrite";
    case Access::TransferSrc:
      return "TransferSrc";
    case Access::TransferDst:
      return "TransferDst";
    case Access::HostRead:
      return "HostRead";
  }
  return "?";
}

bool imageOnly(Access a) {
  return a == Access::ComputeSampledRead || a == Access::FragmentSampledRead ||
         a == Access::ColorAttachmentWrite || a == Access::ComputeSampledStorageReadWrite ||
         a == Access::ComputeSampledReadGeneral;
}

// --- Declaration --------------------------------------------------------------------------------

void PassBuilder::use(uint32_t index, uint32_t version, bool image, Access access, bool write) {
  graph_.passes_[pass_].uses.push_back({index, version, image, access, write});
}
void PassBuilder::read(ImageRef r, Access a) {
  use(r.index, r.version, true, a, false);
}
void PassBuilder::read(BufferRef r, Access a) {
  use(r.index, r.version, false, a, false);
}
ImageRef PassBuilder::write(ImageRef r, Access a) {
  use(r.index, r.version, true, a, true);
  return {r.index, r.version + 1};
}
BufferRef PassBuilder::write(BufferRef r, Access a) {
  use(r.index, r.version, false, a, true);
  return {r.index, r.version + 1};
}
void PassBuilder::sideEffect() {
  graph_.passes_[pass_].sideEffect = true;
}

ImageRef RenderGraph::createImage(std::string name, ImageDesc desc) {
  resources_.push_back({std::move(name), true, false, desc, {}});
  return {static_cast<uint32_t>(resources_.size() - 1), 0};
}

ImageRef RenderGraph::importImage(std::string name, ImageDesc desc, VkImage image, VkImageView view,
                                  ResourceState initial, ResourceState final) {
  resources_.push_back(
      {std::move(name), true, true, desc, {}, image, view, VK_NULL_HANDLE, initial, final});
  return {static_cast<uint32_t>(resources_.size() - 1), 0};
}

BufferRef RenderGraph::importBuffer(std::string name, BufferDesc desc, VkBuffer buffer,
                                    ResourceState initial, ResourceState final) {
  // Buffers have no layout; normalizing here keeps the barrier logic uniform.
  initial.layout = final.layout = VK_IMAGE_LAYOUT_UNDEFINED;
  resources_.push_back({std::move(name),
                        false,
                        true,
                        {},
                        desc,
                        VK_NULL_HANDLE,
                        VK_NULL_HANDLE,
                        buffer,
                        initial,
                        final});
  return {static_cast<uint32_t>(resources_.size() - 1), 0};
}

void RenderGraph::addPass(std::string name, std::function<void(PassBuilder&)> setup,
                          std::function<void(PassContext&)> execute) {
  passes_.push_back({std::move(name), std::move(execute), {}, false});
  PassBuilder builder(*this, static_cast<uint32_t>(passes_.size() - 1));
  if (setup) setup(builder);
}

// --- Compilation --------------------------------------------------------------------------------

CompiledGraph RenderGraph::compile() const {
  const auto numResources = static_cast<uint32_t>(resources_.size());
  const auto numPasses = static_cast<uint32_t>(passes_.size());
  const char* kind[] = {"buffer", "image"};
  const char* aKind[] = {"a buffer", "an image"};
  auto checkHandle = [&](uint32_t index, bool image, const std::string& who) -> const Resource& {
    if (index >= numResources)
      fail(who + " uses " + aKind[image] + " handle (index " + std::to_string(index) +
           ") that does not belong to this graph");
    const Resource& res = resources_[index];
    if (res.image != image)
      fail(who + " uses " + kind[res.image] + " " + quote(res.name) + " through " + aKind[image] +
           " handle from another graph");
    return res;
  };

  for (const Resource& res : resources_) {
    if (res.image && (res.imageDesc.format == VK_FORMAT_UNDEFINED || res.imageDesc.width == 0 ||
                      res.imageDesc.height == 0 || res.imageDesc.mipLevels == 0))
      fail("image " + quote(res.name) + " has no format, a zero extent or zero mip levels");
  }

  // 1. Validate in declaration order, recording who produced and who read each version.
  // writer[r][v] produced version v + 1; readers[r][v] read version v (read(), not write()).
  std::vector<std::vector<uint32_t>> writer(numResources);
  std::vector<std::vector<std::vector<uint32_t>>> readers(numResources, {{}});
  for (uint32_t p = 0; p < numPasses; ++p) {
    const Pass& pass = passes_[p];
    const std::string who = "pass " + quote(pass.name);
    for (size_t i = 0; i < pass.uses.size(); ++i) {
      const Use& u = pass.uses[i];
      const Resource& res = checkHandle(u.index, u.image, who);
      const std::string what = quote(res.name);
      for (size_t j = 0; j < i; ++j) {
        if (pass.uses[j].index == u.index)
          fail(who + " uses " + what + " twice; to read and write it in one pass, write() it " +
               "with a ReadWrite access");
      }
      const AccessInfo info = accessInfo(u.access);
      if (u.write && !info.writes)
        fail(who + " writes " + what + " with read-only access " + accessName(u.access));
      if (!u.write && info.writes)
        fail(who + " reads " + what + " with writing access " + accessName(u.access) +
             "; use write()");
      if (!u.image && imageOnly(u.access))
        fail(who + " uses buffer " + what + " with image-only access " + accessName(u.access));
      if (u.image && u.access == Access::ComputeTexelBufferRead)
        fail(who + " uses image " + what + " with buffer-only access " + accessName(u.access));

      const auto latest = static_cast<uint32_t>(writer[u.index].size());
      const std::string version = "version " + std::to_string(u.version) + " of " + what;
      if (u.version > latest)
        fail(who + " uses " + version + ", which no pass produces (latest is " +
             std::to_string(latest) + ")");
      if (u.version < latest) {
        const std::string& other = passes_[writer[u.index][u.version]].name;
        if (u.write)
          fail("passes " + quote(other) + " and " + quote(pass.name) + " both write " + version);
        fail(who + " reads stale " + version + ": pass " + quote(other) +
             " already wrote version " + std::to_string(u.version + 1) +
             "; use the handle its write() returned");
      }
      const bool reads = !u.write || u.access == Access::ComputeStorageReadWrite ||
                         u.access == Access::ComputeSampledStorageReadWrite;
      if (reads && !res.imported && u.version == 0)
        fail(who + " reads transient " + what + " before any pass writes it");
      if (u.write) {
        writer[u.index].push_back(p);
        readers[u.index].emplace_back();
      } else {
        readers[u.index][u.version].push_back(p);
      }
    }
  }

  // 2. Cull. A write is treated as read-modify-write of the previous version (a storage write
  // or attachment load may leave earlier content in place), so a pass keeps the producer of
  // every version it touches. Producers are always declared earlier, so one backward sweep
  // reaches the fixed point.
  std::vector<char> keep(numPasses);
  for (uint32_t p = 0; p < numPasses; ++p) keep[p] = passes_[p].sideEffect;
  for (const Output& o : outputs_) {
    const Resource& res = checkHandle(o.index, o.image, "markOutput");
    const auto latest = static_cast<uint32_t>(writer[o.index].size());
    const std::string version = "version " + std::to_string(o.version) + " of " + quote(res.name);
    if (o.version > latest) fail("markOutput: " + version + " is never produced");
    if (o.version < latest)
      fail("markOutput: " + version + " is stale; pass " +
           quote(passes_[writer[o.index][o.version]].name) + " writes a later one");
    if (o.version == 0 && !res.imported)
      fail("markOutput: transient " + quote(res.name) + " is never written");
    if (o.version > 0) keep[writer[o.index][o.version - 1]] = 1;
  }
  for (uint32_t p = numPasses; p-- > 0;) {
    if (!keep[p]) continue;
    for (const Use& u : passes_[p].uses) {
      if (u.version == 0) continue;
      const uint32_t producer = writer[u.index][u.version - 1];
      MQ_CHECK(producer < p);
      keep[producer] = 1;
    }
  }

  // 3. Order: Kahn's algorithm, always taking the earliest-declared ready pass, so independent
  // passes keep declaration order. Edges: producer -> user (RAW, WAW) and reader of version v ->
  // writer of v + 1 (WAR).
  std::vector<std::vector<uint32_t>> successors(numPasses);
  std::vector<uint32_t> indegree(numPasses);
  auto edge = [&](uint32_t from, uint32_t to) {
    if (!keep[from] || from == to) return;
    successors[from].push_back(to);
    ++indegree[to];
  };
  for (uint32_t p = 0; p < numPasses; ++p) {
    if (!keep[p]) continue;
    for (const Use& u : passes_[p].uses) {
      if (u.version > 0) edge(writer[u.index][u.version - 1], p);
      if (u.write)
        for (uint32_t reader : readers[u.index][u.version]) edge(reader, p);
    }
  }
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>> ready;
  uint32_t numKept = 0;
  for (uint32_t p = 0; p < numPasses; ++p) {
    numKept += keep[p];
    if (keep[p] && indegree[p] == 0) ready.push(p);
  }
  std::vector<uint32_t> order;
  while (!ready.empty()) {
    const uint32_t p = ready.top();
    ready.pop();
    order.push_back(p);
    for (uint32_t next : successors[p])
      if (--indegree[next] == 0) ready.push(next);
  }
  MQ_CHECK(order.size() == numKept);  // versioning makes cycles impossible

  CompiledGraph out;
  for (uint32_t p = 0; p < numPasses; ++p)
    if (!keep[p]) out.culled.push_back(passes_[p].name);
  for (const Resource& res : resources_) out.resourceNames.push_back(res.name);

  // 4. Transient lifetimes (in execution positions) and greedy slot assignment in first-use
  // order: a slot is reused when the desc matches and its last user finished earlier.
  constexpr uint32_t kUnused = UINT32_MAX;
  std::vector<uint32_t> first(numResources, kUnused), last(numResources, 0);
  std::vector<VkImageUsageFlags> usage(numResources, 0);
  for (uint32_t pos = 0; pos < order.size(); ++pos) {
    for (const Use& u : passes_[order[pos]].uses) {
      first[u.index] = std::min(first[u.index], pos);
      last[u.index] = pos;
      usage[u.index] |= accessInfo(u.access).imageUsage;
    }
  }
  std::vector<uint32_t> live;
  for (uint32_t r = 0; r < numResources; ++r)
    if (!resources_[r].imported && first[r] != kUnused) live.push_back(r);
  std::stable_sort(live.begin(), live.end(),
                   [&](uint32_t a, uint32_t b) { return first[a] < first[b]; });
  std::vector<uint32_t> slotLastUse;
  std::vector<std::vector<uint32_t>> occupants;  // per slot, in execution order
  for (uint32_t r : live) {
    uint32_t slot = 0;
    while (slot < slotLastUse.size() &&
           !(out.physicalImages[slot] == resources_[r].imageDesc && slotLastUse[slot] < first[r]))
      ++slot;
    if (slot == slotLastUse.size()) {
      out.physicalImages.push_back(resources_[r].imageDesc);
      out.physicalImageUsage.push_back(0);
      slotLastUse.push_back(0);
      occupants.emplace_back();
    }
    out.physicalImageUsage[slot] |= usage[r];
    slotLastUse[slot] = last[r];
    occupants[slot].push_back(r);
    out.transients.push_back({r, slot});
  }

  // 5. Barriers, walking the passes in order. Imports start from their declared state,
  // transients from UNDEFINED (discard).
  std::vector<Track> track(numResources);
  for (uint32_t r = 0; r < numResources; ++r)
    if (resources_[r].imported) track[r] = trackFrom(resources_[r].initial);
  std::vector<std::pair<size_t, size_t>> firstBarrier(numResources);  // (position, index)
  for (uint32_t pos = 0; pos < order.size(); ++pos) {
    const Pass& pass = passes_[order[pos]];
    CompiledPass compiled{order[pos], pass.name, {}};
    for (const Use& u : pass.uses) {
      const AccessInfo info = accessInfo(u.access);
      auto barrier = transition(track[u.index], u.index, u.image,
                                {info.stage, info.access, info.layout}, info.writes);
      if (!resources_[u.index].imported && first[u.index] == pos) {
        MQ_CHECK(barrier);  // the first use always leaves UNDEFINED
        firstBarrier[u.index] = {pos, compiled.barriers.size()};
      }
      if (barrier) compiled.barriers.push_back(*barrier);
    }
    out.passes.push_back(std::move(compiled));
  }
  // A transient's memory was last touched by the slot's previous occupant, or, for the first
  // occupant, by the slot's last occupant in the previous frame: its first barrier waits for
  // those stages instead of NONE, which would race with them (WAR/WAW on aliased memory).
  for (const auto& users : occupants) {
    for (size_t k = 0; k < users.size(); ++k) {
      const Track& before = track[users[(k + users.size() - 1) % users.size()]];
      const auto [pos, index] = firstBarrier[users[k]];
      Barrier& b = out.passes[pos].barriers[index];
      b.src.stage = before.writeStages | before.readStages;
      b.src.access = before.writeAccess;
    }
  }

  for (uint32_t r = 0; r < numResources; ++r) {
    const Resource& res = resources_[r];
    if (!res.imported) continue;
    ResourceState final = res.final;
    if (final.layout == VK_IMAGE_LAYOUT_UNDEFINED) final.layout = track[r].layout;
    if (first[r] == kUnused && final == res.initial) continue;  // untouched, already there
    if (auto b = transition(track[r], r, res.image, final, (final.access & kWriteBits) != 0))
      out.finalBarriers.push_back(*b);
  }
  return out;
}

std::string CompiledGraph::describe() const {
  auto barrierLine = [&](const Barrier& b) {
    return std::string("  ") + (b.image ? "image " : "buffer ") + quote(resourceNames[b.resource]) +
           ": " + stateName(b.src, b.image) + " -> " + stateName(b.dst, b.image) + "\n";
  };
  std::string out;
  for (const CompiledPass& p : passes) {
    out += "pass " + quote(p.name) + "\n";
    for (const Barrier& b : p.barriers) out += barrierLine(b);
  }
  if (!finalBarriers.empty()) out += "final\n";
  for (const Barrier& b : finalBarriers) out += barrierLine(b);
  if (!culled.empty()) out += "culled:";
  for (const std::string& name : culled) out += " " + quote(name);
  if (!culled.empty()) out += "\n";
  for (size_t slot = 0; slot < physicalImages.size(); ++slot) {
    const ImageDesc& d = physicalImages[slot];
    char line[128];
    std::snprintf(line, sizeof line, "slot %zu: %ux%u format %d mips %u usage 0x%x:", slot, d.width,
                  d.height, static_cast<int>(d.format), d.mipLevels, physicalImageUsage[slot]);
    out += line;
    for (const TransientAllocation& t : transients)
      if (t.physicalSlot == slot) out += " " + quote(resourceNames[t.resource]);
    out += "\n";
  }
  return out;
}

// --- Execution ----------------------------------------------------------------------------------

uint32_t PassContext::declared(uint32_t index, bool image) const {
  const auto& pass = graph_.passes_[pass_];
  for (const auto& u : pass.uses)
    if (u.index == index && u.image == image) return index;
  fail("pass " + quote(pass.name) + " resolves " + (image ? "an image" : "a buffer") + " (index " +
       std::to_string(index) + ") it did not declare in setup");
}

VkImage PassContext::image(ImageRef r) const {
  return bound_[declared(r.index, true)].image;
}
VkImageView PassContext::imageView(ImageRef r) const {
  return bound_[declared(r.index, true)].view;
}
VkBuffer PassContext::buffer(BufferRef r) const {
  return bound_[declared(r.index, false)].buffer;
}
const ImageDesc& PassContext::imageDesc(ImageRef r) const {
  return graph_.resources_[declared(r.index, true)].imageDesc;
}

void execute(const RenderGraph& graph, const CompiledGraph& compiled, GraphBackend& backend) {
  MQ_CHECK(compiled.resourceNames.size() == graph.resources_.size());
  std::vector<PassContext::Bound> bound(graph.resources_.size());
  for (size_t r = 0; r < bound.size(); ++r) {
    const auto& res = graph.resources_[r];
    if (res.imported) bound[r] = {res.vkImage, res.vkView, res.vkBuffer};
  }
  std::vector<PassContext::Bound> slots(compiled.physicalImages.size());
  for (uint32_t s = 0; s < slots.size(); ++s)
    backend.transientImage(s, compiled.physicalImages[s], compiled.physicalImageUsage[s],
                           &slots[s].image, &slots[s].view);
  for (const TransientAllocation& t : compiled.transients)
    bound[t.resource] = slots[t.physicalSlot];

  auto record = [&](const std::vector<Barrier>& barriers) {
    if (barriers.empty()) return;
    std::vector<BoundBarrier> resolved;
    for (const Barrier& b : barriers) {
      const auto& res = graph.resources_[b.resource];
      resolved.push_back({b, bound[b.resource].image, bound[b.resource].buffer,
                          res.image ? res.imageDesc.mipLevels : 1});
    }
    backend.recordBarriers(resolved);
  };
  const VkCommandBuffer cmd = backend.commandBuffer();
  for (const CompiledPass& p : compiled.passes) {
    record(p.barriers);
    const auto& pass = graph.passes_[p.pass];
    PassContext context(graph, p.pass, cmd, bound);
    if (pass.execute) pass.execute(context);
  }
  record(compiled.finalBarriers);
}

}  // namespace mq::graph
