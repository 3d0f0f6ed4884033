#include "envs/model_loader.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace mimic {
namespace {

constexpr char kModel[] = "data/models/rodent/rodent.xml";

TEST(ModelLoaderTest, LoadsTheBundledRatDespiteNewerAttributes) {
  auto model = LoadModel(kModel);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->nu, 38);
  EXPECT_EQ((*model)->nq, 74);
  EXPECT_EQ((*model)->nv, 73);
  const ModelSignature s = SignatureOf(model->get());
  EXPECT_EQ(s.name, "rat");
  EXPECT_NE(s.hash, 0u);
}

TEST(ModelLoaderTest, TheTorqueVariantDrivesJointsAndTendonsWithCtrlTimesTheForceRange) {
  PerturbationConfig torque;
  torque.set_actuation("torque");
  torque.set_torque_scale(0.5);
  ModelPtr bundled = LoadModel(kModel).value();
  ModelPtr model = LoadModel(kModel, torque).value();
  // the same body and actuator targets, no activation states, and a layout clips still match
  EXPECT_EQ(model->nu, 38);
  EXPECT_EQ(model->na, 0);
  EXPECT_EQ(bundled->na, 38);
  EXPECT_EQ(SignatureOf(model.get()).hash, SignatureOf(bundled.get()).hash);
  DataPtr d(mj_makeData(model.get()));
  for (int i = 0; i < model->nu; ++i) {
    EXPECT_EQ(model->actuator_trnid[2 * i], bundled->actuator_trnid[2 * i]) << i;
    EXPECT_EQ(model->actuator_trntype[i], bundled->actuator_trntype[i]) << i;
    EXPECT_EQ(model->actuator_biastype[i], mjBIAS_NONE);
    EXPECT_EQ(model->actuator_dyntype[i], mjDYN_NONE);
    d->ctrl[i] = (i % 3 - 1) * 0.5;  // -0.5, 0, 0.5
  }
  mj_forward(model.get(), d.get());
  for (int i = 0; i < model->nu; ++i) {
    const double range = std::max(std::abs(bundled->actuator_forcerange[2 * i]), std::abs(bundled->actuator_forcerange[2 * i + 1]));
    EXPECT_NEAR(d->actuator_force[i], (i % 3 - 1) * 0.5 * 0.5 * range, 1e-9 * range) << "actuator " << i;
  }
  // the bundled servos instead pull toward a target through their bias: force is not ctrl x range
  PerturbationConfig unknown;
  unknown.set_actuation("muscles");
  EXPECT_EQ(LoadModel(kModel, unknown).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(TorqueActuatedXml("<mujoco><actuator><general name=\"a\" joint=\"j\"/></actuator></mujoco>").ok());
  torque.set_torque_scale(0);
  EXPECT_EQ(LoadModel(kModel, torque).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ModelLoaderTest, StripsOnlyTheUnsupportedAttribute) {
  const std::string xml = R"(<option timestep="0.002" ls_iterations="6" iterations="6"/>)";
  EXPECT_EQ(StripUnsupportedAttributes(xml), R"(<option timestep="0.002" iterations="6"/>)");
}

TEST(ModelLoaderTest, MissingFileIsNotFound) {
  auto model = LoadModel("data/models/rodent/no_such_rat.xml");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(model.status().message().find("no_such_rat.xml"), std::string::npos);
}

TEST(ModelLoaderTest, CorruptFileGivesMujocosMessage) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) / "corrupt.xml").string();
  std::ofstream(path) << "<mujoco><worldbody><body><geom type=\"sphere\"";
  auto model = LoadModel(path);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(model.status().message().find("corrupt.xml"), std::string::npos);
}

TEST(ModelLoaderTest, BodyMassScaleScalesTotalMass) {
  auto base = LoadModel(kModel);
  PerturbationConfig p;
  p.set_body_mass_scale(1.5);
  auto heavy = LoadModel(kModel, p);
  ASSERT_TRUE(heavy.ok());
  EXPECT_NEAR(TotalMass(heavy->get()), 1.5 * TotalMass(base->get()), 1e-9);
}

TEST(ModelLoaderTest, HeadMassShareMovesMassWithoutChangingTheTotal) {
  auto base = LoadModel(kModel);
  PerturbationConfig p;
  p.set_head_mass_share(0.2);
  auto model = LoadModel(kModel, p);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_NEAR(TotalMass(model->get()), TotalMass(base->get()), 1e-9);
  EXPECT_NEAR(HeadMass(model->get()) / TotalMass(model->get()), 0.2, 1e-9);
  EXPECT_NE(HeadMass(base->get()) / TotalMass(base->get()), 0.2);
}

TEST(ModelLoaderTest, RejectsInvalidPerturbations) {
  PerturbationConfig p;
  p.set_body_mass_scale(-1);
  EXPECT_EQ(LoadModel(kModel, p).status().code(), absl::StatusCode::kInvalidArgument);
  p.set_body_mass_scale(1);
  p.set_head_mass_share(1.5);
  EXPECT_EQ(LoadModel(kModel, p).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimic
